{#- Grain: province x year. Devereux et al. (2004) EG coagglomeration of manufacturing (C) and the
    productive services (G + I + J + L + M) over the province's prefectures (paper 001 table 4
    col. 4). A prefecture enters when C and all five service sections are present. -#}
with

employments as (

    select * from {{ ref('int_prefecture_sector_employments_cleaned') }}
    where employment_10k is not null

),

sectors as (

    select * from {{ ref('sectors') }}

),

group_sizes as (

    select sum(case when is_productive_service then 1 else 0 end) as n_ps_sections
    from sectors

),

prefecture_groups as (

    select
        employments.province_code,
        employments.prefecture_code,
        employments.year,
        sum(case when sectors.is_manufacturing then employments.employment_10k end) as mfg_employment_10k,
        sum(case when sectors.is_productive_service then employments.employment_10k end) as ps_employment_10k,
        sum(case when sectors.is_productive_service then 1 else 0 end) as n_ps_present
    from employments
    inner join sectors
        on sectors.sector_code = employments.sector_code
    group by employments.province_code, employments.prefecture_code, employments.year

),

complete as (

    select prefecture_groups.*
    from prefecture_groups
    cross join group_sizes
    where prefecture_groups.n_ps_present = group_sizes.n_ps_sections

),

eg as (

    {{ devereux_eg('complete', ['province_code', 'year'], 'mfg_employment_10k', 'ps_employment_10k') }}

),

final as (

    select
        -- ids
        province_code,
        year,
        -- numerics
        n_subregions as n_prefectures,
        w_i as w_mfg,
        w_j as w_ps,
        h_i as h_mfg,
        h_j as h_ps,
        h_ij as h_joint,
        eg
    from eg

)

select * from final
