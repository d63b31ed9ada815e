with

sectors as (

    select * from {{ ref('sectors') }}

),

divisions as (

    select * from {{ ref('cic_divisions') }}

),

final as (

    select
        sector_code as industry_code,
        'gbt4754_section' as classification,
        name_en,
        name_zh,
        cast(null as {{ dbt.type_string() }}) as parent_code,
        is_manufacturing,
        is_productive_service,
        in_employment_yearbook,
        false as is_high_tech
    from sectors

    union all

    select
        industry_code,
        'cic_division' as classification,
        name_en,
        name_zh,
        'C' as parent_code,
        true as is_manufacturing,
        false as is_productive_service,
        false as in_employment_yearbook,
        is_high_tech
    from divisions

)

select * from final
