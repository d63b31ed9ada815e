-- No county row is keyed by a 2011-vintage code that has since changed (sichuan_county_code_changes).
select fct.county_code, fct.year
from {{ ref('fct_county_years') }} as fct
inner join {{ ref('sichuan_county_code_changes') }} as changes
    on changes.old_code = fct.county_code
where changes.old_code <> changes.new_code
