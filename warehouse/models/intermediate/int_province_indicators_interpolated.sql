{{ config(materialized='table') }}
{#- A table, not a view: several index models and tests read it, and recomputing the
    interpolation (and re-reading the raw CSV) for each of them dominated the build time. -#}
{#- The full province x year x indicator grid over the panel years (vars province_first_year..province_last_year)
    for the provinces and indicators present in the raw file. Interior gaps are interpolated linearly
    (is_imputed = true, source says between which years); gaps at the ends stay null. -#}
with

cleaned as (

    select * from {{ ref('int_province_indicators_cleaned') }}

),

catalog as (

    select indicator_code, lower(unit) as unit
    from {{ ref('indicator_catalog') }}
    where level = 'province'

),

years as (

    {{ year_spine(var('province_first_year'), var('province_last_year')) }}

),

units as (

    select distinct province_code from cleaned

),

indicators as (

    select distinct indicator_code from cleaned

),

grid as (

    select
        units.province_code,
        indicators.indicator_code,
        years.year,
        cleaned.value
    from units
    cross join indicators
    cross join years
    left join cleaned
        on cleaned.province_code = units.province_code
        and cleaned.indicator_code = indicators.indicator_code
        and cleaned.year = years.year

),

interpolated as (

    {{ interpolate_linear('grid', ['province_code', 'indicator_code'], 'year', ['value']) }}

),

final as (

    select
        interpolated.province_code,
        interpolated.year,
        interpolated.indicator_code,
        interpolated.value,
        catalog.unit,
        interpolated.value_is_imputed as is_imputed,
        {{ interpolation_source('interpolated.value_prev_year', 'interpolated.value_next_year', 'cleaned.source') }} as source
    from interpolated
    left join catalog
        on catalog.indicator_code = interpolated.indicator_code
    left join cleaned
        on cleaned.province_code = interpolated.province_code
        and cleaned.indicator_code = interpolated.indicator_code
        and cleaned.year = interpolated.year

)

select * from final
