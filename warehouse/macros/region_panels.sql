{#- Query bodies shared by the twin region-level models (province / county indicators, province /
    prefecture sector employments), documented in _macros__docs.yml. Each macro returns one full
    query that reads CTEs the calling model defines as its import CTEs, so the model keeps its own
    `ref()`s (and thus its lineage and unit-test inputs) and only the region key differs. -#}

{% macro indicator_values_resolved(indicators, aliases, catalog, conversions, region_key) -%}
{#- Raw indicator rows with the region resolved through `division_aliases` and the value converted
    into the catalog unit of its indicator (a missing unit means the catalog unit).

    Arguments
    ---------
    indicators : str   CTE of the staging model (columns <region_key>_raw, year, indicator_code,
                       unit, value, source)
    aliases : str      CTE of division_aliases of the level (alias_norm, code)
    catalog : str      CTE of indicator_catalog of the level (indicator_code, lower-cased unit)
    conversions : str  CTE of unit_conversions (from_unit, to_unit, factor)
    region_key : str   output key column, e.g. 'province_code'
-#}
with resolved as (

    select
        ----------  ids
        {{ aliases }}.code as {{ region_key }},
        {{ indicators }}.{{ region_key }}_raw,
        {{ indicators }}.year,
        {{ indicators }}.indicator_code,

        ----------  units: a missing unit means the catalog unit
        {{ indicators }}.unit as unit_as_given,
        {{ catalog }}.unit,
        case
            when {{ indicators }}.unit is null or {{ indicators }}.unit = {{ catalog }}.unit then 1.0
            else {{ conversions }}.factor
        end as unit_factor,

        ----------  numerics
        {{ indicators }}.value as value_as_given,

        ----------  provenance
        {{ indicators }}.source

    from {{ indicators }}
    left join {{ aliases }}
        on {{ aliases }}.alias_norm = {{ normalise_alias(indicators ~ '.' ~ region_key ~ '_raw') }}
    left join {{ catalog }}
        on {{ catalog }}.indicator_code = {{ indicators }}.indicator_code
    left join {{ conversions }}
        on {{ conversions }}.from_unit = {{ indicators }}.unit
        and {{ conversions }}.to_unit = {{ catalog }}.unit

)

select
    *,
    value_as_given * unit_factor as value
from resolved
{%- endmacro %}


{% macro indicator_panel_interpolated(cleaned, catalog, years, region_key) -%}
{#- The full region x year x indicator grid over `years` for the regions and indicators present in
    `cleaned`; interior gaps interpolated linearly (`interpolate_linear`), end gaps left null.
    Columns: <region_key>, year, indicator_code, value, unit, is_imputed, source.

    Arguments
    ---------
    cleaned : str     CTE of the cleaned indicator values (<region_key>, year, indicator_code, value, source)
    catalog : str     CTE of indicator_catalog of the level (indicator_code, lower-cased unit)
    years : str       CTE with one row per panel year (column year), e.g. from `year_spine`
    region_key : str  region key column, e.g. 'province_code'
-#}
with units as (

    select distinct {{ region_key }} from {{ cleaned }}

),

indicators as (

    select distinct indicator_code from {{ cleaned }}

),

grid as (

    select
        units.{{ region_key }},
        indicators.indicator_code,
        {{ years }}.year,
        {{ cleaned }}.value
    from units
    cross join indicators
    cross join {{ years }}
    left join {{ cleaned }}
        on {{ cleaned }}.{{ region_key }} = units.{{ region_key }}
        and {{ cleaned }}.indicator_code = indicators.indicator_code
        and {{ cleaned }}.year = {{ years }}.year

),

interpolated as (

    {{ interpolate_linear('grid', [region_key, 'indicator_code'], 'year', ['value']) }}

)

select
    interpolated.{{ region_key }},
    interpolated.year,
    interpolated.indicator_code,
    interpolated.value,
    {{ catalog }}.unit,
    interpolated.value_is_imputed as is_imputed,
    {{ interpolation_source('interpolated.value_prev_year', 'interpolated.value_next_year', cleaned ~ '.source') }} as source
from interpolated
left join {{ catalog }}
    on {{ catalog }}.indicator_code = interpolated.indicator_code
left join {{ cleaned }}
    on {{ cleaned }}.{{ region_key }} = interpolated.{{ region_key }}
    and {{ cleaned }}.indicator_code = interpolated.indicator_code
    and {{ cleaned }}.year = interpolated.year
{%- endmacro %}


{% macro sector_employments_interpolated(resolved, years, region_key, carried_columns=[]) -%}
{#- Region x year x section employment on `years`: interior gaps interpolated linearly
    (`interpolate_linear`), end gaps dropped (no extrapolation). Columns: <region_key>,
    <carried_columns>, year, sector_code, employment_10k, is_imputed, source.

    Arguments
    ---------
    resolved : str          CTE of the resolved employments (<region_key>, <carried_columns>, year,
                            sector_code, employment_10k, source)
    years : str             CTE with one row per panel year (column year)
    region_key : str        region key column, e.g. 'prefecture_code'
    carried_columns : list  attributes of a region carried to the output after the key, e.g.
                            ['province_code'] for prefectures (default none)
-#}
with series as (

    select distinct {{ region_key }}, {% for c in carried_columns %}{{ c }}, {% endfor %}sector_code from {{ resolved }}

),

grid as (

    select
        series.{{ region_key }},
        series.sector_code,
        {{ years }}.year,
        {{ resolved }}.employment_10k
    from series
    cross join {{ years }}
    left join {{ resolved }}
        on {{ resolved }}.{{ region_key }} = series.{{ region_key }}
        and {{ resolved }}.sector_code = series.sector_code
        and {{ resolved }}.year = {{ years }}.year

),

interpolated as (

    {{ interpolate_linear('grid', [region_key, 'sector_code'], 'year', ['employment_10k']) }}

)

select
    interpolated.{{ region_key }},
    {%- for c in carried_columns %}
    series.{{ c }},
    {%- endfor %}
    interpolated.year,
    interpolated.sector_code,
    interpolated.employment_10k,
    interpolated.employment_10k_is_imputed as is_imputed,
    {{ interpolation_source('interpolated.employment_10k_prev_year', 'interpolated.employment_10k_next_year', resolved ~ '.source') }} as source
from interpolated
{%- if carried_columns %}
inner join series
    on series.{{ region_key }} = interpolated.{{ region_key }}
    and series.sector_code = interpolated.sector_code
{%- endif %}
left join {{ resolved }}
    on {{ resolved }}.{{ region_key }} = interpolated.{{ region_key }}
    and {{ resolved }}.sector_code = interpolated.sector_code
    and {{ resolved }}.year = interpolated.year
where interpolated.employment_10k is not null
{%- endmacro %}
