/// The domain's types are part of GroomerCore's interface: a caller of the core sees them too.
@_exported import GroomerDomain
