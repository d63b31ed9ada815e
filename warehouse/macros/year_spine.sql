{% macro year_spine(first_year, last_year) -%}
{#- One row per year first_year..last_year (inclusive) in a column `year`; portable SQL (union all). -#}
{%- for y in range(first_year | int, (last_year | int) + 1) %}
select {{ y }} as year{% if not loop.last %} union all{% endif %}
{%- endfor %}
{%- endmacro %}

{% macro interpolation_source(prev_year, next_year, observed_source) -%}
{#- Provenance text of a value: the raw `source` when observed, else which years it was interpolated between. -#}
case
    when {{ prev_year }} is not null
        then {{ dbt.concat(["'linear interpolation between '", "cast(" ~ prev_year ~ " as " ~ dbt.type_string() ~ ")", "' and '", "cast(" ~ next_year ~ " as " ~ dbt.type_string() ~ ")"]) }}
    else {{ observed_source }}
end
{%- endmacro %}
