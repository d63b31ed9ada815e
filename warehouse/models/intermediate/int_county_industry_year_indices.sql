{#- County x year x CIC division: the location quotients fct_county_industry_years joins. -#}
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
        lq_employment
    from lq

)

select * from final
