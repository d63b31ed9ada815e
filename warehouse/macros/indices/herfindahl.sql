{#- Herfindahl index H = sum s^2 (an aggregate over the rows of a group) and its normalised form
    (H - 1/n) / (1 - 1/n), which runs from 0 (equal shares) to 1 (one unit holds everything). -#}
{% macro herfindahl(share) -%}
    {{ return(adapter.dispatch('herfindahl', 'agglo')(share)) }}
{%- endmacro %}

{% macro default__herfindahl(share) -%}
    sum(cast({{ share }} as double) * ({{ share }}))
{%- endmacro %}

{% macro herfindahl_normalised(h, n) -%}
    {{ return(adapter.dispatch('herfindahl_normalised', 'agglo')(h, n)) }}
{%- endmacro %}

{% macro default__herfindahl_normalised(h, n) -%}
    (({{ h }}) - 1.0 / nullif({{ n }}, 0)) / nullif(1 - 1.0 / nullif({{ n }}, 0), 0)
{%- endmacro %}
