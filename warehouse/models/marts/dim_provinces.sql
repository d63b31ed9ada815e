with

provinces as (

    select * from {{ ref('provinces') }}

),

final as (

    select
        province_code,
        name_zh,
        name_short_zh,
        name_en,
        capital_zh,
        capital_lat,
        capital_lon,
        region_nbs4,
        region_p004,
        has_national_adv_mfg_cluster
    from provinces

)

select * from final
