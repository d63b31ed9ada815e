{#- Location quotient LQ = (e_rs / e_r) / (E_s / E) (paper 004; paper 001 eq. 18-19).
    Arguments are SQL expressions: the region-sector value, the region total, the sector total and
    the grand total. Every ratio is guarded with nullif, so a zero total gives null, not an error. -#}
{% macro location_quotient(e_rs, e_r, e_s, e) -%}
    {{ return(adapter.dispatch('location_quotient', 'agglo')(e_rs, e_r, e_s, e)) }}
{%- endmacro %}

{% macro default__location_quotient(e_rs, e_r, e_s, e) -%}
    (cast({{ e_rs }} as double) / nullif({{ e_r }}, 0))
        / nullif(cast({{ e_s }} as double) / nullif({{ e }}, 0), 0)
{%- endmacro %}
