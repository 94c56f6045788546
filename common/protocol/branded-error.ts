// Error identity by a `Symbol.for` brand instead of the prototype chain: an error made by another
// copy of its module (a jest module registry, a bundled runtime, a second install) still passes
// its guard, where `instanceof` fails. Temporal's SymbolBasedInstanceOfError, without decorators.
// It lives in common/protocol/ because the runtime proxies may import nothing else.

/** The base of an Error subclass branded `wisp.<name>`; it also sets `error.name`. */
export function brandedError(name: string) {
  const brand = Symbol.for(`wisp.${name}`);
  return class BrandedError extends Error {
    static readonly brand: symbol = brand;

    constructor(message?: string, options?: ErrorOptions) {
      super(message, options);
      this.name = name;
      Object.defineProperty(this, brand, { value: true });
    }
  };
}

/** The `isX(error)` guard of a class made with brandedError. */
export function brandGuard<T extends Error>(errorClass: { readonly brand: symbol; readonly prototype: T }): (error: unknown) => error is T {
  const { brand } = errorClass;
  return (error: unknown): error is T => typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
