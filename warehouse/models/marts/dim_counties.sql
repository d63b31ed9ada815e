with

counties as (

    select * from {{ ref('counties') }}

),

final as (

    select
        county_code,
        name_zh,
        county_type,
        prefecture_code,
        prefecture_name_zh,
        province_code,
        sichuan_region,
        centroid_lat,
        centroid_lon,
        seat_lat,
        seat_lon
    from counties

)

select * from final
