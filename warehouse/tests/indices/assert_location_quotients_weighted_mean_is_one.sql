{#- Identity: the size-weighted mean of a location quotient over regions is 1 for every
    sector-year: sum_r (e_r / E) LQ_rs = sum_r e_rs / E_s = 1. Province and prefecture sections
    (employment), county divisions (output value and employment). Fails with the offending means. -#}
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
        sum(output_value_10k_yuan) over (partition by county_code, year)
            / sum(output_value_10k_yuan) over (partition by year) as output_weight,
        sum(employment_persons) over (partition by county_code, year)
            / sum(employment_persons) over (partition by year) as employment_weight
    from {{ ref('fct_county_industry_location_quotients') }}

),

county_output as (

    select 'county_output' as level, industry_code, year, sum(output_weight * lq_output) as weighted_mean
    from county_shares
    where lq_output is not null
    group by industry_code, year

),

county_employment as (

    select 'county_employment' as level, industry_code, year,
        sum(employment_weight * lq_employment) as weighted_mean
    from county_shares
    where lq_employment is not null
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

)

select * from means
where abs(weighted_mean - 1) > 1e-9
