{#- Identity: the entropy weights sum to 1 over all indicators and within each dimension (per
    weight_year; a single pooled set by default). Fails with the offending sums. -#}
with

weights as (

    select * from {{ ref('fct_ami_weights') }}

),

overall as (

    select weight_year, 'overall' as scope, sum(overall_weight) as weight_sum
    from weights
    group by weight_year

),

within_dimension as (

    select weight_year, dimension as scope, sum(within_dimension_weight) as weight_sum
    from weights
    group by weight_year, dimension

),

sums as (

    select * from overall
    union all
    select * from within_dimension

)

select * from sums
where abs(weight_sum - 1) > 1e-9
