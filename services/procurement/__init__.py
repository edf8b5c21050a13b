"""UKPBJ procurement (pengadaan barang/jasa): the RUP and tender application, wrapped."""
