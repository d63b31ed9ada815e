with

harmonised as (

    select * from {{ ref('int_county_industries_harmonised') }}

),

final as (

    select
        county_code,
        year,
        industry_code,
        enterprises,
        output_value_10k_yuan,
        value_added_10k_yuan,
        employment_persons,
        total_assets_10k_yuan,
        is_imputed,
        source
    from harmonised

)

select * from final
