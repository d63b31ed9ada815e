{#- Grain: year x sector pair. Devereux et al. (2004) EG coagglomeration of every pair of sections
    (sector_code_i < sector_code_j) with k = the provinces, plus the pair manufacturing ('C') vs the
    productive-service group ('PS' = G + I + J + L + M) of paper 001. Provinces where either sector is
    missing are left out of that pair-year. -#}
with

employments as (

    select * from {{ ref('int_province_sector_employments_cleaned') }}
    where employment_10k is not null

),

groups as (

    select * from {{ ref('int_province_group_employments_aggregated') }}

),

pairs as (

    select
        sector_i.year,
        sector_i.sector_code as sector_code_i,
        sector_j.sector_code as sector_code_j,
        sector_i.province_code,
        sector_i.employment_10k as employment_i_10k,
        sector_j.employment_10k as employment_j_10k
    from employments as sector_i
    inner join employments as sector_j
        on sector_i.province_code = sector_j.province_code
        and sector_i.year = sector_j.year
        and sector_i.sector_code < sector_j.sector_code

    union all

    select
        year,
        'C' as sector_code_i,
        'PS' as sector_code_j,
        province_code,
        mfg_employment_10k as employment_i_10k,
        ps_employment_10k as employment_j_10k
    from groups

),

eg as (

    {{ devereux_eg('pairs', ['year', 'sector_code_i', 'sector_code_j'], 'employment_i_10k', 'employment_j_10k') }}

),

final as (

    select
        -- ids
        year,
        sector_code_i,
        sector_code_j,
        -- numerics
        n_subregions as n_provinces,
        w_i,
        w_j,
        h_i,
        h_j,
        h_ij,
        eg
    from eg

)

select * from final
