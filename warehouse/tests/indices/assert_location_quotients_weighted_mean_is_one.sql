{#- Identity: the size-weighted mean of a location quotient over regions is 1 for every
    sector-year: sum_r (e_r / E) LQ_rs = sum_r e_rs / E_s = 1. Province and prefecture sections
    (employment), county divisions (output value and employment; totals within the county's province,
    so the identity holds per province), firm-level county x class LQs (national totals). Fails with the offending means. -#}
with

province as (

    select
        'province' as level, sector_code as industry_code, year,
        sum(region_total_10k / national_total_10k * location_quotient) as weighted_mean
    from {{ ref('fct_province_sector_location_quotients') }}
    group by sector_code, year

),

prefecture as (

    select
        'prefecture' as level, sector_code as industry_code, year,
        sum(region_total_10k / national_total_10k * location_quotient) as weighted_mean
    from {{ ref('fct_prefecture_sector_location_quotients') }}
    group by sector_code, year

),

county_shares as (

    select
        *,
        substr(county_code, 1, 2) as province_prefix,
        sum(output_value_10k_yuan) over (partition by county_code, year)
            / sum(output_value_10k_yuan) over (partition by substr(county_code, 1, 2), year) as output_weight,
        sum(employment_persons) over (partition by county_code, year)
            / sum(employment_persons) over (partition by substr(county_code, 1, 2), year) as employment_weight
    from {{ ref('fct_county_industry_location_quotients') }}

),

county_output as (

    select 'county_output ' || province_prefix as level, industry_code, year,
        sum(output_weight * lq_output) as weighted_mean
    from county_shares
    where lq_output is not null
    group by province_prefix, industry_code, year

),

county_employment as (

    select 'county_employment ' || province_prefix as level, industry_code, year,
        sum(employment_weight * lq_employment) as weighted_mean
    from county_shares
    where lq_employment is not null
    group by province_prefix, industry_code, year

),

firm_cells as (

    select
        industry_code, year, lq_employment,
        sum(employment_persons) over (partition by county_code, year)
            / sum(employment_persons) over (partition by year) as employment_weight
    from {{ ref('fct_county_firm_industry_years') }}

),

firm_employment as (

    select 'firm_county_cic4' as level, industry_code, year,
        sum(employment_weight * lq_employment) as weighted_mean
    from firm_cells
    group by industry_code, year

),

means as (

    select * from province
    union all
    select * from prefecture
    union all
    select * from county_output
    union all
    select * from county_employment
    union all
    select * from firm_employment

)

select * from means
where abs(weighted_mean - 1) > 1e-9
