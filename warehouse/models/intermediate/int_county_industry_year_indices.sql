{#- County x year x CIC division: the location quotients fct_county_industry_years joins (within
    manufacturing on output and employment; output relative to county GDP). -#}
with

lq as (

    select * from {{ ref('fct_county_industry_location_quotients') }}

),

final as (

    select
        county_code,
        year,
        industry_code,
        lq_output,
        lq_employment,
        lq_output_gdp
    from lq

)

select * from final
