package surveys

// SetPerturbation switches cell-key perturbation on or off for a test, to
// show that the attacker tests find what it protects; it returns a
// function that restores the setting.
func SetPerturbation(on bool) (restore func()) {
	was := perturbation
	perturbation = on
	return func() { perturbation = was }
}

// SetScopeSalting switches the scope's part of the cell keys on or off.
func SetScopeSalting(on bool) (restore func()) {
	was := scopeSalting
	scopeSalting = on
	return func() { scopeSalting = was }
}
