{% test not_null_columns(model, columns) %}
{#- Fails on every row with a null in any of `columns` (the columns a model declares not null, checked
    in one scan: one test node per model instead of one per column, which is most of dbt's time on a
    small build). `null_columns` names the null column(s) of each failing row. -#}
select
    concat_ws(', ', {% for c in columns %}case when {{ c }} is null then '{{ c }}' end{{ ', ' if not loop.last }}{% endfor %}) as null_columns,
    *
from {{ model }}
where {% for c in columns %}{{ c }} is null{{ ' or ' if not loop.last }}{% endfor %}
{% endtest %}
