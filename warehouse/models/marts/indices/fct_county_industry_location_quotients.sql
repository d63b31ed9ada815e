{#- Grain: county x year x CIC division. Location quotients within the manufacturing of the county's
    province (Sichuan in paper 000; the province = first two digits of the current county code):
    lq_output on output value, lq_employment on employment (totals over the province's counties in
    the panel and the divisions with a value); and lq_output_gdp, the division's output relative to
    the county's whole economy: (o_cd / Y_c) / (O_d / Y) with Y = GDP and the totals over the
    province's counties that have both a manufacturing output value and a GDP value in the year (the
    counties of mfg_lq, paper 000 table 2). On national data Sichuan's values equal a Sichuan-only panel's. -#}
with

industries as (

    select *, substr(county_code, 1, 2) as province_prefix
    from {{ ref('int_county_industries_harmonised') }}

),

county_gdp as (

    select
        county_code,
        year,
        cast(value as double precision) as gdp_10k_yuan,
        substr(county_code, 1, 2) as province_prefix
    from {{ ref('int_county_indicators_interpolated') }}
    where indicator_code = 'gdp_10k_yuan' and value is not null

),

totals as (

    select
        county_code,
        year,
        industry_code,
        province_prefix,
        output_value_10k_yuan,
        employment_persons,
        sum(output_value_10k_yuan) over (partition by county_code, year) as county_output_10k_yuan,
        sum(output_value_10k_yuan) over (partition by province_prefix, industry_code, year) as industry_output_10k_yuan,
        sum(output_value_10k_yuan) over (partition by province_prefix, year) as total_output_10k_yuan,
        sum(employment_persons) over (partition by county_code, year) as county_employment_persons,
        sum(employment_persons) over (partition by province_prefix, industry_code, year) as industry_employment_persons,
        sum(employment_persons) over (partition by province_prefix, year) as total_employment_persons
    from industries

),

gdp_based as (

    select
        industries.county_code,
        industries.year,
        industries.industry_code,
        industries.province_prefix,
        county_gdp.gdp_10k_yuan,
        sum(industries.output_value_10k_yuan)
            over (partition by industries.province_prefix, industries.industry_code, industries.year)
            as industry_output_gdp_panel_10k_yuan
    from industries
    inner join county_gdp
        on county_gdp.county_code = industries.county_code
        and county_gdp.year = industries.year
    where industries.output_value_10k_yuan is not null

),

gdp_totals as (

    select
        province_prefix,
        year,
        sum(gdp_10k_yuan) as total_gdp_10k_yuan
    from (select distinct county_code, province_prefix, year, gdp_10k_yuan from gdp_based) as county_years
    group by province_prefix, year

),

final as (

    select
        -- ids
        totals.county_code,
        totals.year,
        totals.industry_code,
        -- numerics
        totals.output_value_10k_yuan,
        totals.employment_persons,
        gdp_based.gdp_10k_yuan,
        {{ location_quotient('totals.output_value_10k_yuan', 'totals.county_output_10k_yuan',
                             'totals.industry_output_10k_yuan', 'totals.total_output_10k_yuan') }} as lq_output,
        {{ location_quotient('totals.employment_persons', 'totals.county_employment_persons',
                             'totals.industry_employment_persons', 'totals.total_employment_persons') }} as lq_employment,
        {{ location_quotient('totals.output_value_10k_yuan', 'gdp_based.gdp_10k_yuan',
                             'gdp_based.industry_output_gdp_panel_10k_yuan',
                             'gdp_totals.total_gdp_10k_yuan') }} as lq_output_gdp
    from totals
    left join gdp_based
        on gdp_based.county_code = totals.county_code
        and gdp_based.year = totals.year
        and gdp_based.industry_code = totals.industry_code
    left join gdp_totals
        on gdp_totals.year = totals.year
        and gdp_totals.province_prefix = totals.province_prefix

)

select * from final
