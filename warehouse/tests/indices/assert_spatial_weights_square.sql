{#- Every matrix is square and complete in long form: n units give n * n rows (diagonal included).
    A county matrix spans one province (first two digits of the code), so the check is per province. -#}
with

weights as (

    select
        *,
        case when level = 'county' then substr(i, 1, 2) else 'CN' end as unit_group
    from {{ ref('fct_spatial_weights') }}

),

shape as (

    select
        matrix_name,
        level,
        unit_group,
        count(*) as n_rows,
        count(distinct i) as n_i,
        count(distinct j) as n_j
    from weights
    group by matrix_name, level, unit_group

)

select * from shape
where n_i <> n_j or n_rows <> n_i * n_j
