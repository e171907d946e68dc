"""The Citus distribution plan (geodata/schema/citus.py) matches the schema: every table is
reference, distributed or local exactly once; every distributed table carries a non-null
district_code; people's data never sits in a reference table; the DDL names each table once."""

from __future__ import annotations

from geodata.schema import citus
from geodata.schema.models import Base


def test_citus001_every_table_is_placed_once() -> None:
    placed = [*citus.REFERENCE, *citus.DISTRIBUTED, *citus.LOCAL]
    assert len(placed) == len(set(placed))
    assert set(placed) == set(Base.metadata.tables), set(Base.metadata.tables) ^ set(placed)


def test_citus002_distributed_tables_carry_their_county() -> None:
    for name in citus.DISTRIBUTED:
        column = Base.metadata.tables[name].columns.get(citus.DISTRIBUTION_COLUMN)
        assert column is not None and not column.nullable, name
    assert citus.COLOCATE_WITH in citus.DISTRIBUTED


def test_citus003_no_personal_data_in_reference_tables() -> None:
    personal = {"phone", "id_number", "reporter_phone", "reporter_name"}
    for name in citus.REFERENCE:
        assert not personal & {c.name for c in Base.metadata.tables[name].columns}, name


def test_citus004_the_ddl_names_each_table_once() -> None:
    statements = citus.ddl()
    made = [s.split("('")[1].split("'")[0] for s in statements if "_table('" in s]
    assert sorted(made) == sorted((*citus.REFERENCE, *citus.DISTRIBUTED))
    assert all(f"colocate_with => '{citus.COLOCATE_WITH}'" in s for s in statements
               if "create_distributed_table(" in s and f"('{citus.COLOCATE_WITH}'" not in s)  # fmt: skip
