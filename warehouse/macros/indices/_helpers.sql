{#- Small helpers shared by the index macros (not formulas themselves). -#}

{#- "a, b, " for a select list (empty string for an empty list). -#}
{% macro agglo_cols_prefix(cols, alias=none) -%}
    {%- for c in cols -%}{{ alias ~ '.' if alias }}{{ c }}, {% endfor -%}
{%- endmacro %}

{#- "partition by a, b" (empty string for an empty list). -#}
{% macro agglo_partition(cols, alias=none) -%}
    {%- if cols | length > 0 -%}
    partition by {% for c in cols %}{{ alias ~ '.' if alias }}{{ c }}{{ ', ' if not loop.last }}{% endfor %}
    {%- endif -%}
{%- endmacro %}

{#- "group by a, b" (empty string for an empty list). -#}
{% macro agglo_group_by(cols) -%}
    {%- if cols | length > 0 -%}
    group by {{ cols | join(', ') }}
    {%- endif -%}
{%- endmacro %}

{#- Join condition "l.a = r.a and l.b = r.b" ("1 = 1" for an empty list). -#}
{% macro agglo_join_on(cols, left, right) -%}
    {%- if cols | length > 0 -%}
    {% for c in cols %}{{ left }}.{{ c }} = {{ right }}.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}
