{% macro interpolate_linear(relation, partition_by, order_by, value_columns) -%}
{#-
    Linear interpolation of interior gaps, one series per `partition_by` group ordered by `order_by`
    (the year). For each column c of `value_columns` the query returns

    - `c`              the observed value, or where it is null and both an earlier and a later observed
                       value exist, prev + (next - prev) * (t - t_prev) / (t_next - t_prev);
                       gaps at the ends of a series stay null (no extrapolation);
    - `c_is_imputed`   true where `c` was filled by interpolation;
    - `c_prev_<order_by>`, `c_next_<order_by>` the years interpolated between (null when observed).

    The grid must contain a row for every year to be filled (build it with a cross join first).
    Portable SQL: the previous and next observed values are found with running counts of non-null
    values (each count group holds exactly one observed value), so no `ignore nulls` or self-join.

    Arguments
    ---------
    relation : str         a CTE or relation name
    partition_by : list    series key columns, e.g. ['province_code', 'indicator_code']
    order_by : str         the time column (numeric)
    value_columns : list   columns to interpolate
-#}
{%- set keys = partition_by | join(', ') -%}
with _runs as (
    select
        *
        {%- for c in value_columns %},
        count({{ c }}) over (
            partition by {{ keys }} order by {{ order_by }}
            rows between unbounded preceding and current row
        ) as _grp_prev_{{ c }},
        count({{ c }}) over (
            partition by {{ keys }} order by {{ order_by }}
            rows between current row and unbounded following
        ) as _grp_next_{{ c }}
        {%- endfor %}
    from {{ relation }}
),

_bounds as (
    select
        *
        {%- for c in value_columns %},
        max({{ c }}) over (partition by {{ keys }}, _grp_prev_{{ c }}) as _prev_value_{{ c }},
        max(case when {{ c }} is not null then {{ order_by }} end)
            over (partition by {{ keys }}, _grp_prev_{{ c }}) as _prev_t_{{ c }},
        max({{ c }}) over (partition by {{ keys }}, _grp_next_{{ c }}) as _next_value_{{ c }},
        max(case when {{ c }} is not null then {{ order_by }} end)
            over (partition by {{ keys }}, _grp_next_{{ c }}) as _next_t_{{ c }}
        {%- endfor %}
    from _runs
)

select
    {{ keys }},
    {{ order_by }}
    {%- for c in value_columns %},
    case
        when {{ c }} is not null then {{ c }}
        when _prev_t_{{ c }} is not null and _next_t_{{ c }} is not null
            then _prev_value_{{ c }}
                + (_next_value_{{ c }} - _prev_value_{{ c }})
                * ({{ order_by }} - _prev_t_{{ c }})
                / nullif(cast(_next_t_{{ c }} - _prev_t_{{ c }} as {{ api.Column.translate_type("double") }}), 0)
    end as {{ c }},
    ({{ c }} is null and _prev_t_{{ c }} is not null and _next_t_{{ c }} is not null) as {{ c }}_is_imputed,
    case when {{ c }} is null then _prev_t_{{ c }} end as {{ c }}_prev_{{ order_by }},
    case when {{ c }} is null then _next_t_{{ c }} end as {{ c }}_next_{{ order_by }}
    {%- endfor %}
from _bounds
{%- endmacro %}
