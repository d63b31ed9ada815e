{{ config(materialized='table') }}
{#- A table, not a view: several index models and tests read it, and recomputing the
    interpolation (and re-reading the raw CSV) for each of them dominated the build time. -#}
{#- province x year x section employment on the panel years (vars province_first_year..province_last_year):
    interior gaps interpolated linearly (is_imputed), end gaps dropped (no extrapolation);
    macro sector_employments_interpolated. -#}
with

resolved as (

    select * from {{ ref('int_province_sector_employments_resolved') }}

),

years as (

    {{ year_spine(var('province_first_year'), var('province_last_year')) }}

),

final as (

    {{ sector_employments_interpolated('resolved', 'years', region_key='province_code') }}

)

select * from final
