{#- `agglo build --export OUT`: write every mart (the table models under models/marts/) as
    Parquet, one `<export_dir>/<mart>.parquet` per mart, from the engine that built it.

    Runs as the on-run-end hook when var('export_dir') is set, and only when every node of the run
    passed (a failing build exports nothing). `agglo build` passes a fresh staging directory and
    moves it into place after its checks, so a half-written export is never left under OUT.
    - DuckDB: `copy (...) to '<file>' (format parquet)`: one file.
    - Spark: `insert overwrite directory '<dir>' using parquet`: a folder of part files with that
      name, written by the executors (on a cluster: a path of the cluster's file system).
-#}

{% macro export_marts() -%}
    {%- set out = var('export_dir', none) -%}
    {%- if execute and out and flags.WHICH in ('build', 'run') -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list -%}
        {%- if failed | length == 0 -%}
            {%- for node in graph.nodes.values()
                if node.resource_type == 'model' and node.package_name == project_name
                and node.fqn[1] == 'marts' and node.config.materialized == 'table' -%}
                {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
                {%- if relation is not none -%}
                    {%- set path = (out | string).rstrip('/') ~ '/' ~ node.name ~ '.parquet' -%}
                    {%- do run_query(adapter.dispatch('export_parquet_sql', 'agglo')(relation, path)) -%}
                    {{ log('exported ' ~ node.name ~ ' -> ' ~ path, info=true) }}
                {%- endif -%}
            {%- endfor -%}
        {%- else -%}
            {{ log('export skipped: ' ~ (failed | length) ~ ' node(s) did not pass', info=true) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro default__export_parquet_sql(relation, path) -%}
    copy (select * from {{ relation }}) to {{ sql_text_literal(path) }} (format parquet)
{%- endmacro %}

{% macro spark__export_parquet_sql(relation, path) -%}
    insert overwrite directory {{ sql_text_literal(path) }} using parquet select * from {{ relation }}
{%- endmacro %}
