{#- The indices sum national totals over the panel's regions (DESIGN.md 5). Fail the compile, with a
    clear message, when var national_totals asks for something not implemented. -#}
{% macro agglo_require_national_sum() -%}
    {%- if var('national_totals', 'sum') != 'sum' -%}
        {{ exceptions.raise_compiler_error("var national_totals = '" ~ var('national_totals') ~ "': only 'sum' (national totals = sum over the panel's regions) is implemented by the index models") }}
    {%- endif -%}
{%- endmacro %}
