{#- The two region x industry distributions the concentration and specialisation indices run on, in
    one long relation: level 'province' = provinces x GB/T 4754 sections (employment, 10k persons);
    level 'county' = Sichuan counties x CIC divisions (manufacturing output value, 10k yuan). Rows
    with a null value are left out; region_total and industry_total are sums over the rows kept. -#}
with

province_values as (

    select
        'province' as level,
        province_code as region_code,
        year,
        sector_code as industry_code,
        cast(employment_10k as double) as value
    from {{ ref('int_province_sector_employments_cleaned') }}
    where employment_10k is not null

),

county_values as (

    select
        'county' as level,
        county_code as region_code,
        year,
        industry_code,
        cast(output_value_10k_yuan as double) as value
    from {{ ref('int_county_industries_harmonised') }}
    where output_value_10k_yuan is not null

),

unioned as (

    select * from province_values
    union all
    select * from county_values

),

final as (

    select
        level,
        region_code,
        year,
        industry_code,
        value,
        sum(value) over (partition by level, region_code, year) as region_total,
        sum(value) over (partition by level, industry_code, year) as industry_total
    from unioned

)

select * from final
