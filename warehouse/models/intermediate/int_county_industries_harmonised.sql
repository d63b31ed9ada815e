{{ config(materialized='table') }}
{#- A table, not a view: several index models and tests read it, and recomputing the
    interpolation (and re-reading the raw CSV) for each of them dominated the build time. -#}
{#- County x year x CIC division on current county codes over the county panel years: each of the
    five values interpolated linearly over interior gaps of its (county, division) series;
    is_imputed = any of the row's values was interpolated. Rows with no value at all are dropped. -#}
{%- set values = ['enterprises', 'output_value_10k_yuan', 'value_added_10k_yuan', 'employment_persons', 'total_assets_10k_yuan'] -%}
with

resolved as (

    select * from {{ ref('int_county_industries_resolved') }}

),

years as (

    {{ year_spine(var('county_first_year'), var('county_last_year')) }}

),

series as (

    select distinct county_code, industry_code from resolved

),

grid as (

    select
        series.county_code,
        series.industry_code,
        years.year
        {%- for v in values %},
        resolved.{{ v }}
        {%- endfor %}
    from series
    cross join years
    left join resolved
        on resolved.county_code = series.county_code
        and resolved.industry_code = series.industry_code
        and resolved.year = years.year

),

interpolated as (

    {{ interpolate_linear('grid', ['county_code', 'industry_code'], 'year', values) }}

),

final as (

    select
        interpolated.county_code,
        interpolated.year,
        interpolated.industry_code
        {%- for v in values %},
        interpolated.{{ v }}
        {%- endfor %},
        ({% for v in values %}interpolated.{{ v }}_is_imputed{% if not loop.last %} or {% endif %}{% endfor %}) as is_imputed,
        case
            when resolved.county_code is null then 'linear interpolation'
            {%- for v in values %}
            when interpolated.{{ v }}_is_imputed then {{ dbt.concat(["resolved.source", "'; interpolated: " ~ v ~ "'"]) }}
            {%- endfor %}
            else resolved.source
        end as source
    from interpolated
    left join resolved
        on resolved.county_code = interpolated.county_code
        and resolved.industry_code = interpolated.industry_code
        and resolved.year = interpolated.year
    where {% for v in values %}interpolated.{{ v }} is not null{% if not loop.last %} or {% endif %}{% endfor %}

)

select * from final
