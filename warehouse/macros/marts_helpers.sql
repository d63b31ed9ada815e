{% macro indicator_columns() -%}
{#- Names of the current model's YAML columns flagged `config: {meta: {indicator: true}}`: the
    indicator columns of a wide year mart, one per catalog indicator of its level. The YAML column
    list (needed anyway by the enforced contract) is thus the one place the pivot is defined; the
    singular tests assert_*_years_cover_catalog check it against the catalog. -#}
{%- set names = [] -%}
{%- for name, col in model.columns.items() -%}
    {%- set meta = col.get('meta', {}) or {} -%}
    {%- set cfg_meta = (col.get('config', {}) or {}).get('meta', {}) or {} -%}
    {%- if meta.get('indicator') or cfg_meta.get('indicator') -%}
        {%- do names.append(name) -%}
    {%- endif -%}
{%- endfor -%}
{{ return(names) }}
{%- endmacro %}

{% macro safe_ln(expr) -%}
{#- Natural log, null unless the argument is positive. -#}
case when {{ expr }} > 0 then ln({{ expr }}) end
{%- endmacro %}

{% macro safe_divide(numerator, denominator) -%}
{#- numerator / denominator, null when the denominator is 0 or null. -#}
({{ numerator }}) / nullif({{ denominator }}, 0)
{%- endmacro %}
