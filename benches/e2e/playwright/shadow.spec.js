// Shadow DOM fidelity: the same behaviours as ../shadow.yaml, written as a Playwright user would
// (cargo xtask compare runs both and compares pass counts).
const { test, expect } = require('@playwright/test');
const TODO = process.env.BENCH_URL + '/shadow-todo.html';
const FORM = process.env.BENCH_URL + '/shadow-form.html';

async function add(page, ...titles) {
  for (const t of titles) {
    await page.locator('.new-todo').fill(t);
    await page.locator('.new-todo').press('Enter');
  }
}

test('todo: add one', async ({ page }) => {
  await page.goto(TODO);
  await add(page, 'buy milk');
  await expect(page.locator('.todo-list li')).toHaveText('buy milk×');
  await expect(page.locator('.todo-count')).toHaveText('1 item left');
});

test('todo: add three in order', async ({ page }) => {
  await page.goto(TODO);
  for (const t of ['a', 'b', 'c']) {
    await page.getByPlaceholder('What needs to be done?').fill(t);
    await page.keyboard.press('Enter');
  }
  await expect(page.locator('todo-item')).toHaveCount(3);
  await expect(page.locator('.todo-list label').nth(1)).toHaveText('b');
  await expect(page.locator('.todo-list label').last()).toHaveText('c');
  await expect(page.getByTestId('count')).toHaveText('3 items left');
});

test('todo: toggle one', async ({ page }) => {
  await page.goto(TODO);
  await add(page, 'a', 'b');
  await page.locator("todo-item:has-text('b')").locator('.toggle').check();
  await expect(page.locator('li.completed')).toHaveCount(1);
  await expect(page.locator('li.completed label')).toHaveText('b');
  await expect(page.locator('.todo-count')).toHaveText('1 item left');
});

test('todo: toggle by role', async ({ page }) => {
  await page.goto(TODO);
  await page.getByRole('textbox', { name: 'New todo' }).fill('walk the dog');
  await page.keyboard.press('Enter');
  await page.getByRole('checkbox').click();
  await expect(page.locator('.todo-count')).toHaveText('0 items left');
});

test('todo: delete one', async ({ page }) => {
  await page.goto(TODO);
  await add(page, 'keep', 'drop');
  await page.locator("todo-item:has-text('drop')").getByRole('button', { name: 'Delete' }).click();
  await expect(page.locator('todo-item')).toHaveCount(1);
  await expect(page.locator('todo-item')).toHaveText('keep×');
});

test('todo: filter active and completed', async ({ page }) => {
  await page.goto(TODO);
  await add(page, 'one', 'two');
  await page.locator(".todo-list li:has-text('one') .toggle").check();
  await page.getByRole('link', { name: 'Active' }).click();
  await expect(page.locator('todo-item')).toHaveCount(1);
  await expect(page.locator('todo-item label')).toHaveText('two');
  await page.locator('text="Completed"').click();
  await expect(page.locator('todo-item label')).toHaveText('one');
  await expect(page).toHaveURL(/#\/completed/);
});

test('todo: clear completed', async ({ page }) => {
  await page.goto(TODO);
  await add(page, 'x', 'y');
  await page.locator('.toggle').nth(0).check();
  await page.locator('.toggle').nth(1).check();
  await page.getByRole('button', { name: 'Clear completed' }).click();
  await expect(page.locator('todo-item')).toHaveCount(0);
  await expect(page.locator('.todo-count')).toHaveText('0 items left');
});

test('todo: text locators see inside components', async ({ page }) => {
  await page.goto(TODO);
  await expect(page.locator('text=todos')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'todos' })).toBeVisible();
  await page.getByLabel('New todo').fill('seen');
  await page.keyboard.press('Enter');
  await expect(page.locator('text="seen"')).toBeVisible();
});

test('form: sign in', async ({ page }) => {
  await page.goto(FORM);
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Password').fill('correct horse');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('status')).toHaveText('Welcome, ada@example.com');
});

test('form: email is required', async ({ page }) => {
  await page.goto(FORM);
  await page.getByTestId('password').fill('correct horse');
  await page.locator('fancy-button').click();
  await expect(page.locator('.status')).toHaveText('Email is required');
});

test('form: short password', async ({ page }) => {
  await page.goto(FORM);
  await page.getByPlaceholder('you@example.com').fill('ada@example.com');
  await page.locator('sign-in-form text-field[name=password] input').fill('short');
  await page.locator('text=Sign in').last().click();
  await expect(page.locator('sign-in-form .status')).toContainText('too short');
});

test('form: values stay in their fields', async ({ page }) => {
  await page.goto(FORM);
  await page.getByLabel('Email').fill('grace@example.com');
  await expect(page.locator('text-field[name=email] input')).toHaveValue('grace@example.com');
  await expect(page.getByLabel('Password')).toHaveValue('');
});
