//! Importer for GeoNames country dumps and admin code tables.
