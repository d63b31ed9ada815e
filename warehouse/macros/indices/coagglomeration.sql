{#- Industrial synergy (co-)agglomeration of paper 001 eq. (20):
    coagglo = 1 - |M - PS| / (M + PS) + (M + PS), with M and PS the group location quotients of
    manufacturing and of productive services. -#}
{% macro coagglomeration(magglo, psagglo) -%}
    {{ return(adapter.dispatch('coagglomeration', 'agglo')(magglo, psagglo)) }}
{%- endmacro %}

{% macro default__coagglomeration(magglo, psagglo) -%}
    (1 - abs(({{ magglo }}) - ({{ psagglo }})) / nullif(({{ magglo }}) + ({{ psagglo }}), 0)
        + (({{ magglo }}) + ({{ psagglo }})))
{%- endmacro %}
