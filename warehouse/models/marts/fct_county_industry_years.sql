with

harmonised as (

    select * from {{ ref('int_county_industries_harmonised') }}

),

indices as (

    select * from {{ ref('int_county_industry_year_indices') }}

),

final as (

    select
        harmonised.county_code,
        harmonised.year,
        harmonised.industry_code,
        harmonised.enterprises,
        harmonised.output_value_10k_yuan,
        harmonised.value_added_10k_yuan,
        harmonised.employment_persons,
        harmonised.total_assets_10k_yuan,
        harmonised.is_imputed,
        harmonised.source,
        -- indices (issue 3; int_county_industry_year_indices)
        indices.lq_output,
        indices.lq_employment
    from harmonised
    left join indices
        on indices.county_code = harmonised.county_code
        and indices.year = harmonised.year
        and indices.industry_code = harmonised.industry_code

)

select * from final
