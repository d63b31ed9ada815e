{#- dbt's persist_docs on DuckDB, unless the environment variable AGGLO_DBT_PERSIST_DOCS is 'false':
    `agglo build` sets it and writes the same comments in one connection after dbt
    (analysis/warehouse/comments.py; dbt's way is a catalog query and a statement per relation, about
    2 s of a demo build). A hand-run `dbt build` persists them here as usual. Spark is unaffected
    (dbt-spark's own spark__persist_docs). A macro, not a jinja expression in dbt_project.yml's config:
    such a config is rendered for every node at parse time (about 2.5 s more on a full parse). -#}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- if env_var('AGGLO_DBT_PERSIST_DOCS', 'true') != 'false' -%}
        {{ return(dbt.default__persist_docs(relation, model, for_relation, for_columns)) }}
    {%- endif -%}
{%- endmacro %}
