{#- Hoover (dissimilarity) index 0.5 * sum |s_k - x_k| of two share distributions over the rows of a
    group (Hoover 1936): an industry's regional shares against the regions' shares of all employment
    (concentration), or a region's sector shares against the nation's (specialisation). -#}
{% macro hoover(subject_share, reference_share) -%}
    {{ return(adapter.dispatch('hoover', 'agglo')(subject_share, reference_share)) }}
{%- endmacro %}

{% macro default__hoover(subject_share, reference_share) -%}
    (0.5 * sum(abs(cast({{ subject_share }} as double) - ({{ reference_share }}))))
{%- endmacro %}
