{#- Grain: industry level x industry x year. Ellison and Glaeser (1997) gamma from firm-level rows
    (optional raw file firms.csv): plants = firms, regions = counties, x_k = the county's share of the
    employment of all firms in the year. Industries at the CIC 4-digit class ('cic4') and at the
    2-digit division ('cic2'). Empty when there is no firms file. -#}
with

firms as (

    select * from {{ ref('int_firms_cleaned') }}
    where employment is not null and county_code is not null

),

plants as (

    select 'cic4' as industry_level, year, industry_code, county_code, employment from firms
    union all
    select 'cic2' as industry_level, year, industry_division_code as industry_code, county_code, employment
    from firms

),

regions as (

    select industry_level, year, county_code, sum(employment) as employment_all
    from plants
    group by industry_level, year, county_code

),

gamma as (

    {{ eg_gamma('plants', 'regions', ['industry_level', 'year'], 'industry_code', 'county_code',
                'employment', 'employment_all') }}

),

final as (

    select
        -- ids
        industry_level,
        industry_code,
        year,
        -- numerics
        n_plants,
        n_regions_with_plants,
        g_raw,
        sum_x_squared,
        plant_herfindahl,
        gamma
    from gamma

)

select * from final
