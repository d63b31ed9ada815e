{% test unique_combination(model, combination_of_columns) %}
{#- Fails with one row per duplicated key: the key columns and how many times the key occurs. -#}
{%- set cols = combination_of_columns | join(', ') -%}
select {{ cols }}, count(*) as n_rows
from {{ model }}
group by {{ cols }}
having count(*) > 1
{% endtest %}
