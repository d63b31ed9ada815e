{{ config(materialized='table') }}
{#- A table, not a view: several index models and tests read it, and recomputing the
    interpolation (and re-reading the raw CSV) for each of them dominated the build time. -#}
{#- The full county x year x indicator grid over the panel years (vars county_first_year..county_last_year)
    for the countys and indicators present in the raw file. Interior gaps are interpolated linearly
    (is_imputed = true, source says between which years); gaps at the ends stay null. -#}
with

cleaned as (

    select * from {{ ref('int_county_indicators_cleaned') }}

),

catalog as (

    select indicator_code, lower(unit) as unit
    from {{ ref('indicator_catalog') }}
    where level = 'county'

),

years as (

    {{ year_spine(var('county_first_year'), var('county_last_year')) }}

),

units as (

    select distinct county_code from cleaned

),

indicators as (

    select distinct indicator_code from cleaned

),

grid as (

    select
        units.county_code,
        indicators.indicator_code,
        years.year,
        cleaned.value
    from units
    cross join indicators
    cross join years
    left join cleaned
        on cleaned.county_code = units.county_code
        and cleaned.indicator_code = indicators.indicator_code
        and cleaned.year = years.year

),

interpolated as (

    {{ interpolate_linear('grid', ['county_code', 'indicator_code'], 'year', ['value']) }}

),

final as (

    select
        interpolated.county_code,
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
        on cleaned.county_code = interpolated.county_code
        and cleaned.indicator_code = interpolated.indicator_code
        and cleaned.year = interpolated.year

)

select * from final
