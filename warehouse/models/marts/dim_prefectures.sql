with

prefectures as (

    select * from {{ ref('prefectures') }}

),

provinces as (

    select province_code, name_zh from {{ ref('provinces') }}

),

final as (

    select
        prefectures.prefecture_code,
        prefectures.name_zh,
        prefectures.province_code,
        provinces.name_zh as province_name_zh,
        prefectures.lat,
        prefectures.lon,
        prefectures.is_municipal_district
    from prefectures
    left join provinces
        on provinces.province_code = prefectures.province_code

)

select * from final
