with

catalog as (

    select * from {{ ref('indicator_catalog') }}

),

final as (

    select
        level,
        indicator_code,
        name_en,
        name_zh,
        unit,
        dimension,
        direction,
        transform,
        paper_variable,
        studies,
        min_plausible,
        max_plausible,
        description
    from catalog

)

select * from final
