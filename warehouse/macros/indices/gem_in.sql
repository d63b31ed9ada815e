{#- GEM-IN cluster score (paper 000 table 1): Padmore and Gibson's (1998) GEM model generalised to
    four factors (G basic, E enterprise, M market, IN innovation).
      gem_factor_score(mean_normalised) = 2 + 18 * mean of the factor's min-max normalised indicators
          (in [2, 20]; Padmore and Gibson score each factor pair from 1 to 10, here continuous);
      gem_in_score(g, e, m, i) = 2.5 * (g * e * m * i)^(2/4)  (in [10, 1000]). -#}
{% macro gem_factor_score(mean_normalised) -%}
    {{ return(adapter.dispatch('gem_factor_score', 'agglo')(mean_normalised)) }}
{%- endmacro %}

{% macro default__gem_factor_score(mean_normalised) -%}
    (2 + 18 * cast({{ mean_normalised }} as double))
{%- endmacro %}

{% macro gem_in_score(g, e, m, i) -%}
    {{ return(adapter.dispatch('gem_in_score', 'agglo')(g, e, m, i)) }}
{%- endmacro %}

{% macro default__gem_in_score(g, e, m, i) -%}
    (2.5 * sqrt(cast({{ g }} as double) * ({{ e }}) * ({{ m }}) * ({{ i }})))
{%- endmacro %}
