{{ config(materialized='table') }}
{#- A table, not a view: several index models and tests read it, and recomputing the
    interpolation (and re-reading the raw CSV) for each of them dominated the build time. -#}
{#- province x year x section employment on the panel years (vars province_first_year..province_last_year):
    interior gaps interpolated linearly (is_imputed), end gaps dropped (no extrapolation). -#}
with

resolved as (

    select * from {{ ref('int_province_sector_employments_resolved') }}

),

years as (

    {{ year_spine(var('province_first_year'), var('province_last_year')) }}

),

series as (

    select distinct province_code, sector_code from resolved

),

grid as (

    select
        series.province_code,
        series.sector_code,
        years.year,
        resolved.employment_10k
    from series
    cross join years
    left join resolved
        on resolved.province_code = series.province_code
        and resolved.sector_code = series.sector_code
        and resolved.year = years.year

),

interpolated as (

    {{ interpolate_linear('grid', ['province_code', 'sector_code'], 'year', ['employment_10k']) }}

),

final as (

    select
        interpolated.province_code,
        interpolated.year,
        interpolated.sector_code,
        interpolated.employment_10k,
        interpolated.employment_10k_is_imputed as is_imputed,
        {{ interpolation_source('interpolated.employment_10k_prev_year', 'interpolated.employment_10k_next_year', 'resolved.source') }} as source
    from interpolated
    left join resolved
        on resolved.province_code = interpolated.province_code
        and resolved.sector_code = interpolated.sector_code
        and resolved.year = interpolated.year
    where interpolated.employment_10k is not null

)

select * from final
