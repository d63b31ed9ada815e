{#- Every matrix is square and complete in long form: n units give n * n rows (diagonal included). -#}
with

weights as (

    select * from {{ ref('fct_spatial_weights') }}

),

shape as (

    select
        matrix_name,
        level,
        count(*) as n_rows,
        count(distinct i) as n_i,
        count(distinct j) as n_j
    from weights
    group by matrix_name, level

)

select * from shape
where n_i <> n_j or n_rows <> n_i * n_j
