{#- Identity: every row of every weight matrix sums to 1 and the diagonal is 0. Fails with the
    offending rows (row sum and diagonal weight). -#}
with

weights as (

    select * from {{ ref('fct_spatial_weights') }}

),

rows_checked as (

    select
        matrix_name,
        level,
        i,
        sum(w) as row_sum,
        sum(case when i = j then w else 0 end) as diagonal_w
    from weights
    group by matrix_name, level, i

)

select * from rows_checked
where abs(row_sum - 1) > 1e-9 or diagonal_w <> 0
