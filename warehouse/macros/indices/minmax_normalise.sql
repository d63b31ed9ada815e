{#- Min-max normalisation by direction (paper 001 eq. 11-12), a window expression:
      direction  1: y = (v - min v) / (max v - min v)
      direction -1: y = (max v - v) / (max v - min v)
    over the rows of `partition_by` (e.g. ['indicator_code'] for the pooled panel, ['indicator_code',
    'year'] per year). A constant indicator gives null (it carries no information). -#}
{% macro minmax_normalise(value, direction, partition_by) -%}
    {{ return(adapter.dispatch('minmax_normalise', 'agglo')(value, direction, partition_by)) }}
{%- endmacro %}

{% macro default__minmax_normalise(value, direction, partition_by) -%}
    (case when ({{ direction }}) = -1
          then max({{ value }}) over ({{ agglo_partition(partition_by) }}) - ({{ value }})
          else ({{ value }}) - min({{ value }}) over ({{ agglo_partition(partition_by) }}) end)
    / nullif(cast(max({{ value }}) over ({{ agglo_partition(partition_by) }}) as double)
             - min({{ value }}) over ({{ agglo_partition(partition_by) }}), 0)
{%- endmacro %}
