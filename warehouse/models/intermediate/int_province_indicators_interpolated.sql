{{ config(materialized='table') }}
{#- A table, not a view: several index models and tests read it, and recomputing the
    interpolation (and re-reading the raw CSV) for each of them dominated the build time. -#}
{#- The full province x year x indicator grid over the panel years (vars province_first_year..province_last_year)
    for the provinces and indicators present in the raw file. Interior gaps are interpolated linearly
    (is_imputed = true, source says between which years); gaps at the ends stay null
    (macro indicator_panel_interpolated, shared with the county model). -#}
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

final as (

    {{ indicator_panel_interpolated('cleaned', 'catalog', 'years', region_key='province_code') }}

)

select * from final
