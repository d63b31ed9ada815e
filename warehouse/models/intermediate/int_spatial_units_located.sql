{#- One row per spatial unit with the coordinates and mean economic size the weight matrices use.
    level 'province': the capital's coordinates (seed provinces, GCJ-02); mean_gdp = mean of
    gdp_100m_yuan, mean_gdp_per_capita = mean of gdp_per_capita_yuan over the panel years.
    unit_group: the units a weight matrix spans: 'CN' for provinces; the province code for counties
    (county matrices are within a province, so that on national data Sichuan's county matrices equal
    those of a Sichuan-only panel and the pairs stay ~ sum of squared province sizes, not 2,848^2).
    level 'county' (the counties present in the raw county indicators): the county seat (GCJ-02) where the seed has it, else the WGS-84 centroid,
    else the prefecture's coordinates, else the province capital's (Huili, 513402, has neither in the
    reference data; 51 units outside Sichuan have no seat either; the datum
    offsets, a few hundred metres, are immaterial for these weights); mean_gdp = mean of gdp_10k_yuan,
    mean_gdp_per_capita = mean of gdp_10k_yuan / population_10k (yuan per person). -#}
with

provinces as (

    select * from {{ ref('provinces') }}

),

counties as (

    select * from {{ ref('counties') }}

),

prefectures as (

    select * from {{ ref('prefectures') }}

),

province_values as (

    select
        province_code,
        avg(case when indicator_code = 'gdp_100m_yuan' then value end) as mean_gdp,
        avg(case when indicator_code = 'gdp_per_capita_yuan' then value end) as mean_gdp_per_capita
    from {{ ref('int_province_indicators_interpolated') }}
    where value is not null
    group by province_code

),

county_panel as (

    select distinct county_code from {{ ref('int_county_indicators_interpolated') }}

),

county_years as (

    select
        county_code,
        year,
        max(case when indicator_code = 'gdp_10k_yuan' then value end) as gdp_10k_yuan,
        max(case when indicator_code = 'population_10k' then value end) as population_10k
    from {{ ref('int_county_indicators_interpolated') }}
    where value is not null and indicator_code in ('gdp_10k_yuan', 'population_10k')
    group by county_code, year

),

county_values as (

    select
        county_code,
        avg(gdp_10k_yuan) as mean_gdp,
        avg(gdp_10k_yuan / nullif(population_10k, 0)) as mean_gdp_per_capita
    from county_years
    group by county_code

),

final as (

    select
        'province' as level,
        'CN' as unit_group,
        provinces.province_code as unit_code,
        provinces.capital_lat as lat,
        provinces.capital_lon as lon,
        'capital' as location_kind,
        province_values.mean_gdp,
        province_values.mean_gdp_per_capita
    from provinces
    left join province_values
        on province_values.province_code = provinces.province_code

    union all

    select
        'county' as level,
        counties.province_code as unit_group,
        counties.county_code as unit_code,
        coalesce(counties.seat_lat, counties.centroid_lat, prefectures.lat, provinces.capital_lat) as lat,
        coalesce(counties.seat_lon, counties.centroid_lon, prefectures.lon, provinces.capital_lon) as lon,
        case
            when counties.seat_lat is not null then 'seat'
            when counties.centroid_lat is not null then 'centroid'
            when prefectures.lat is not null then 'prefecture'
            else 'province_capital'
        end as location_kind,
        county_values.mean_gdp,
        county_values.mean_gdp_per_capita
    from counties
    inner join county_panel
        on county_panel.county_code = counties.county_code
    left join prefectures
        on prefectures.prefecture_code = counties.prefecture_code
    left join provinces
        on provinces.province_code = counties.province_code
    left join county_values
        on county_values.county_code = counties.county_code

)

select * from final
