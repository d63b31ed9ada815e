with

interpolated as (

    select * from {{ ref('int_county_indicators_interpolated') }}

),

final as (

    select
        county_code,
        year,
        indicator_code,
        value,
        unit,
        is_imputed,
        source
    from interpolated
    where value is not null

)

select * from final
