{#- Province x year employment of the groups of paper 001: manufacturing (sections flagged
    is_manufacturing: C) and productive services (is_productive_service: G, I, J, L, M), and the
    total over all sections present. A group is null unless every one of its sections is present. -#}
with

employments as (

    select * from {{ ref('int_province_sector_employments_cleaned') }}

),

sectors as (

    select * from {{ ref('sectors') }}

),

group_sizes as (

    select
        sum(case when is_manufacturing then 1 else 0 end) as n_mfg_sections,
        sum(case when is_productive_service then 1 else 0 end) as n_ps_sections
    from sectors

),

aggregated as (

    select
        employments.province_code,
        employments.year,
        sum(case when sectors.is_manufacturing then employments.employment_10k end) as mfg_employment_10k,
        sum(case when sectors.is_manufacturing then 1 else 0 end) as n_mfg_present,
        sum(case when sectors.is_productive_service then employments.employment_10k end) as ps_employment_10k,
        sum(case when sectors.is_productive_service then 1 else 0 end) as n_ps_present,
        sum(employments.employment_10k) as total_employment_10k
    from employments
    inner join sectors
        on sectors.sector_code = employments.sector_code
    where employments.employment_10k is not null
    group by employments.province_code, employments.year

),

final as (

    select
        aggregated.province_code,
        aggregated.year,
        case when aggregated.n_mfg_present = group_sizes.n_mfg_sections
             then aggregated.mfg_employment_10k end as mfg_employment_10k,
        case when aggregated.n_ps_present = group_sizes.n_ps_sections
             then aggregated.ps_employment_10k end as ps_employment_10k,
        aggregated.total_employment_10k
    from aggregated
    cross join group_sizes

)

select * from final
