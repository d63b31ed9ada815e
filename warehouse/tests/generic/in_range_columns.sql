{% test in_range_columns(model, ranges) %}
{#- Fails on every row with a non-null value outside its column's bounds: `ranges` maps a column to
    {min_value, max_value} (inclusive; either may be omitted), as `in_range` does for one column, in one
    scan per model. `out_of_range_columns` names the offending column(s) of each failing row. -#}
{%- set conditions = [] -%}
{%- for column, bounds in ranges.items() -%}
    {%- set parts = [] -%}
    {%- if bounds.get('min_value') is not none %}{% do parts.append(column ~ ' < ' ~ bounds['min_value']) %}{% endif -%}
    {%- if bounds.get('max_value') is not none %}{% do parts.append(column ~ ' > ' ~ bounds['max_value']) %}{% endif -%}
    {%- do conditions.append((column, column ~ ' is not null and (' ~ (parts | join(' or ') or 'false') ~ ')')) -%}
{%- endfor %}
select
    concat_ws(', ', {% for column, condition in conditions %}case when {{ condition }} then '{{ column }}' end{{ ', ' if not loop.last }}{% endfor %}) as out_of_range_columns,
    *
from {{ model }}
where {% for column, condition in conditions %}({{ condition }}){{ ' or ' if not loop.last }}{% endfor %}
{% endtest %}
