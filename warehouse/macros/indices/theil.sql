{#- Theil indices of a share distribution s_k against reference shares x_k (an aggregate over the
    rows of a group; Theil 1967):
      kind 'T': T = sum s_k ln(s_k / x_k), with 0 ln 0 = 0;
      kind 'L': L = sum x_k ln(x_k / s_k), null when any s_k is 0. With uniform x_k = 1/n this is
                the mean log deviation (1/n) sum ln(mean / v_k), REAT's `theil`. -#}
{% macro theil(subject_share, reference_share, kind='L') -%}
    {{ return(adapter.dispatch('theil', 'agglo')(subject_share, reference_share, kind)) }}
{%- endmacro %}

{% macro default__theil(subject_share, reference_share, kind='L') -%}
    {%- if kind == 'T' -%}
    sum(case when ({{ subject_share }}) > 0
             then cast({{ subject_share }} as double)
                  * ln(cast({{ subject_share }} as double) / ({{ reference_share }}))
             else 0 end)
    {%- elif kind == 'L' -%}
    case when min({{ subject_share }}) > 0
         then sum(cast({{ reference_share }} as double)
                  * ln(cast({{ reference_share }} as double) / ({{ subject_share }})))
    end
    {%- else -%}
    {{ exceptions.raise_compiler_error("theil: kind must be 'L' or 'T', got '" ~ kind ~ "'") }}
    {%- endif -%}
{%- endmacro %}
