{{ config(materialized='table') }}
{#- A table, not a view: several index models and tests read it, and recomputing the
    interpolation (and re-reading the raw CSV) for each of them dominated the build time. -#}
{#- The full county x year x indicator grid over the panel years (vars county_first_year..county_last_year)
    for the counties and indicators present in the raw file. Interior gaps are interpolated linearly
    (is_imputed = true, source says between which years); gaps at the ends stay null
    (macro indicator_panel_interpolated, shared with the province model). -#}
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

final as (

    {{ indicator_panel_interpolated('cleaned', 'catalog', 'years', region_key='county_code') }}

)

select * from final
